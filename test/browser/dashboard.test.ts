/**
 * Dashboard and storefront in Chromium, against the plugins on a real
 * 127.0.0.1 port with fake sources. The full-app run (emulator, real
 * modules) reuses defineBrowserSuite with its own BrowserTarget.
 */
import { defineBrowserSuite } from './suite.js';
import { fakeTarget } from './target.js';

defineBrowserSuite('dashboard and storefront (fake sources)', fakeTarget);
