// Scripts run in the page before any of its own (page.addInitScript): they record layout
// shifts, the moment the status line goes away, the first contentful paint, and CSP
// violations in window.__probe.

/** Layout shifts, first render time (performance.now() when #status is gone), CSP violations. */
export function pageProbe() {
  const p = { cls: 0, shifts: [], statusSeen: false, served: false, renderedAt: null, fcp: null, csp: [], clsError: null };
  window.__probe = p;
  document.addEventListener('securitypolicyviolation', (e) => {
    p.csp.push(`${e.violatedDirective}: blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
  });
  const describe = (node) => {
    if (!node) return '?';
    if (node.nodeType !== 1) return node.nodeName;
    return node.nodeName.toLowerCase() + (node.id ? `#${node.id}` : '')
      + (node.classList.length ? `.${[...node.classList].join('.')}` : '');
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        p.cls += e.value;
        p.shifts.push({ value: e.value, at: Math.round(e.startTime),
          sources: (e.sources || []).map((s) => describe(s.node)) });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch (e) {
    p.clsError = String(e);
  }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') p.fcp = e.startTime;
    }).observe({ type: 'paint', buffered: true });
  } catch {
    // no paint timing: fcp stays null, which test 8 reports
  }
  const check = () => {
    if (p.renderedAt !== null) return;
    // #15: a disclosure's page arrives rendered by the server, with no status line: it is
    // rendered when its first figures (the headline cards) are parsed.
    if (document.querySelector('meta[name="budgetd-page"]') && document.querySelector('#overview .kpi-num')) {
      p.served = true;
      p.renderedAt = performance.now();
      observer.disconnect();
      return;
    }
    const s = document.getElementById('status');
    if (s && s.isConnected) p.statusSeen = true;
    if (!p.statusSeen) return;
    const c = document.getElementById('content');
    const gone = !s || !s.isConnected || !s.checkVisibility();
    if (gone && c && c.getAttribute('aria-busy') === 'false') {
      p.renderedAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}
