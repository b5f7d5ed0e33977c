export {
  fromXGBoostJSON,
  parseXGBoostJSON,
  stringifyXGBoostJSON,
  toXGBoostJSON,
  XGBOOST_FORMAT_VERSION,
} from './xgboost-json.js';
