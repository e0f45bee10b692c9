// The kg query page: YASGUI against this server's /sparql, the named queries as tabs.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("kg-page").textContent);
  const Yasgui = window.Yasgui.default || window.Yasgui;
  const endpoint = new URL("/sparql", window.location.href).href;
  const prologue = Object.entries(data.prefixes)
    .map(([p, ns]) => "PREFIX " + p + ": <" + ns + ">").join("\n");
  // the server predeclares the kg prefixes; written out, the editor knows them too
  const withPrefixes = (query) => (/^\s*(PREFIX|BASE)\b/im.test(query) ? query : prologue + "\n\n" + query);
  const names = Object.keys(data.named);
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    persistenceId: null,           // always start from the examples below
    populateFromUrl: false,
    autoAddOnInit: names.length === 0,
    yasqe: { autocompleters: ["variables"] },  // the others ask servers on the internet
  });
  let first = null;
  names.forEach((name, index) => {
    const tab = yasgui.addTab(index === 0, { name: name, yasqe: { value: withPrefixes(data.named[name]) } });
    if (index === 0) first = tab;
  });
  if (first) yasgui.selectTabId(first.getId());
  window.kgYasgui = yasgui;
})();
