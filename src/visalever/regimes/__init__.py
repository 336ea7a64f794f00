"""Regime packs: the law of each jurisdiction as data (agreements, parameters/, policies/, designations).

Each `regimes/<jurisdiction>/` folder is package data read by `visalever.policy.loader`; no code here.
"""
