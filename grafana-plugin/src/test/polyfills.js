// jsdom lacks what @grafana/ui touches at import time (create-plugin's jest setup does the same).
const { TextEncoder, TextDecoder } = require('util');
Object.assign(global, { TextEncoder, TextDecoder });
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
