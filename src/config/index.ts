export { type Config, ENV_VARS, loadConfig } from './config.js';
