export {
  type Config,
  ENV_VARS,
  loadConfig,
  SECRET_FILE_VARS,
  type UnknownVariable,
  unknownVariables,
} from './config.js';
