import '@testing-library/jest-dom';

// i18next (inside @grafana/ui) advertises itself on init; keep test output to the tests
const info = console.info;
console.info = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('i18next')) {
    return;
  }
  info(...args);
};
