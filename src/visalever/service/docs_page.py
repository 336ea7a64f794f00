# ruff: noqa: E501  (inline HTML/CSS/JS kept readable as one block)
"""Interactive API docs without any CDN: a self-contained page that reads /openapi.json and lists
every endpoint with its parameters, request body and responses, and can send a request.

Swagger UI and ReDoc are not vendored by any installed package, and the dashboard must never make a
request outside localhost, so this small page (inline CSS and JS, no external URLs) replaces them.
"""

from __future__ import annotations

DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>visalever API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1rem;color:#1b1b1b}
h1{font-size:1.5rem} details{border:1px solid #ccc;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-family:monospace;font-size:1rem} .m{display:inline-block;width:4.5rem;font-weight:bold}
.get{color:#0b6e4f}.post{color:#1f4e9e}.patch{color:#8a4b00}.delete{color:#a00}
pre{background:#f5f5f5;padding:.5rem;overflow:auto;max-height:24rem} textarea,input{font-family:monospace;width:100%}
label{display:block;margin-top:.4rem} button{margin-top:.5rem}
</style></head><body>
<h1>visalever HTTP API</h1>
<p>Machine-readable schema: <a href="/openapi.json">/openapi.json</a>. Public reads need no token;
decisions need a <code>caseworker</code> token, quotas and designations <code>policy_admin</code>,
audit <code>auditor</code>, simulations and reform uploads <code>analyst</code> or <code>policy_admin</code>
(each operation names its permission). Tokens: <code>visalever token create --role ROLE [--expires 90d]</code>,
<code>visalever token list</code>, <code>visalever token revoke ID</code>.</p>
<label>Bearer token (kept in this page only) <input id="token" type="password" autocomplete="off"></label>
<main id="ops">Loading /openapi.json ...</main>
<script>
"use strict";
function el(tag, attrs, text){const e=document.createElement(tag);Object.assign(e,attrs||{});if(text!==undefined)e.textContent=text;return e;}
function deref(spec, s){while(s&&s.$ref){const p=s.$ref.replace(/^#\\//,"").split("/");s=p.reduce((o,k)=>o[k],spec);}return s;}
async function main(){
  const spec=await (await fetch("/openapi.json")).json();
  const root=document.getElementById("ops"); root.textContent="";
  for(const [path,ops] of Object.entries(spec.paths)){
    for(const [method,op] of Object.entries(ops)){
      const d=el("details"); const s=el("summary");
      s.append(el("span",{className:"m "+method},method.toUpperCase()), document.createTextNode(path+"  "+(op.summary||"")));
      d.append(s);
      if(op.description) d.append(el("p",{},op.description));
      const form=el("form"); const inputs={};
      for(const p of (op.parameters||[])){
        const lab=el("label",{},p.in+" "+p.name+(p.required?" (required)":"")+": ");
        const inp=el("input",{name:p.name}); inputs[p.name]=[p,inp]; lab.append(inp); form.append(lab);
      }
      let bodyArea=null;
      const rb=op.requestBody&&op.requestBody.content&&op.requestBody.content["application/json"];
      if(rb){
        const schema=deref(spec,rb.schema)||{};
        form.append(el("label",{},"JSON body (schema below)"));
        bodyArea=el("textarea",{rows:8}); const ex=(rb.examples&&Object.values(rb.examples)[0])||{};
        bodyArea.value=JSON.stringify(ex.value||schema.examples&&schema.examples[0]||{},null,2); form.append(bodyArea);
        form.append(el("pre",{},JSON.stringify(schema,null,2)));
      }
      const key=el("input",{placeholder:"Idempotency-Key (optional, POST/PATCH)"});
      if(method!=="get") form.append(key);
      const btn=el("button",{type:"submit"},"Send"); const out=el("pre"); form.append(btn,out);
      form.addEventListener("submit",async ev=>{
        ev.preventDefault(); let url=path; const q=new URLSearchParams();
        for(const [name,[p,inp]] of Object.entries(inputs)){ if(!inp.value) continue;
          if(p.in==="path") url=url.replace("{"+name+"}",encodeURIComponent(inp.value)); else if(p.in==="query") q.append(name,inp.value);}
        if([...q].length) url+="?"+q;
        const headers={}; const tok=document.getElementById("token").value; if(tok) headers["Authorization"]="Bearer "+tok;
        if(key.value) headers["Idempotency-Key"]=key.value;
        const init={method:method.toUpperCase(),headers};
        if(bodyArea){headers["Content-Type"]="application/json"; init.body=bodyArea.value;}
        const r=await fetch(url,init); const t=await r.text();
        let shown=t; try{shown=JSON.stringify(JSON.parse(t),null,2);}catch(e){}
        out.textContent=r.status+" "+r.statusText+"\\n"+shown;
      });
      d.append(form);
      const resp=el("pre",{},"Responses: "+Object.keys(op.responses||{}).join(", ")); d.append(resp);
      root.append(d);
    }
  }
}
main().catch(e=>{document.getElementById("ops").textContent="could not load /openapi.json: "+e;});
</script></body></html>
"""
