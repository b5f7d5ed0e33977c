/** The dashboard's Overview: one read of every part of the system, and its live feed. */
export { OverviewFeed, type OverviewFeedOptions, type OverviewMessage } from './overview-feed.js';
export {
  OVERVIEW_WINDOW_MINUTES,
  type OverviewDeps,
  OverviewService,
  testFigures,
} from './overview-service.js';
export type {
  Overview,
  OverviewAlert,
  OverviewExperiment,
  OverviewFigures,
  OverviewMinute,
  OverviewModel,
  OverviewPipelineRun,
  OverviewPredictions,
} from './overview-types.js';
