// The kg query page: YASGUI against this server's /sparql, the named queries as tabs.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("kg-page").textContent);
  const Yasgui = window.Yasgui.default || window.Yasgui;
  const endpoint = new URL("/sparql", window.location.href).href;
  const prologue = Object.entries(data.prefixes)
    .map(([p, ns]) => "PREFIX " + p + ": <" + ns + ">").join("\n");
  const withPrefixes = (query) => (/^\s*(PREFIX|BASE)\b/im.test(query) ? query : prologue + "\n\n" + query);
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    persistenceId: null,           // always start from the examples below
    populateFromUrl: false,
    autofocus: true,
    yasqe: { autocompleters: ["variables"] },  // the others ask servers on the internet
    tabName: "query",
  });
  const names = Object.keys(data.named);
  const first = yasgui.getTab();
  names.forEach((name, index) => {
    const tab = index === 0 && first ? first : yasgui.addTab(false, { name: name });
    tab.setName && tab.setName(name);
    tab.setQuery(withPrefixes(data.named[name]));
  });
  if (first) yasgui.selectTabId(first.getId());
  window.kgYasgui = yasgui;
})();
