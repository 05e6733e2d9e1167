import { defineBrowserSuite } from './suite.js';
import { fullTarget } from './full-target.js';

defineBrowserSuite('full app', fullTarget, { prefix: 'full-' });
