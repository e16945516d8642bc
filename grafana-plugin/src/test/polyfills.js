// jsdom lacks what @grafana/ui touches at import time (create-plugin's jest setup does the same).
const util = require('util');
Object.assign(global, { TextEncoder: util.TextEncoder, TextDecoder: util.TextDecoder });
if (!window.matchMedia) {
  window.matchMedia = (query) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  });
}
global.ResizeObserver = global.ResizeObserver || class { observe() {} unobserve() {} disconnect() {} };
