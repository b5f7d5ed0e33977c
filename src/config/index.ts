export { type Config, ENV_VARS, loadConfig, SECRET_FILE_VARS } from './config.js';
