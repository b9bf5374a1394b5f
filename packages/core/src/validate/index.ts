/**
 * Validation: loose input -> the readonly model, every problem at once.
 * @module
 */
export type {
  DestinationInput,
  HealthInput,
  ServiceDefaults,
  ServiceInput,
  SorryInput,
} from './input.js';
export {
  type ConfigIssue,
  type ConfigIssueKind,
  configIssue,
  formatConfigIssue,
  formatPath,
  type SourceMap,
  type SourcePath,
  showValue,
} from './issue.js';
export {
  countConfigIssues,
  formatConfigIssues,
  MAX_CONFIG_ISSUES,
  MAX_SHOWN_ISSUES,
} from './issue-list.js';
export {
  isDnsName,
  isHeaderToken,
  isValidName,
  type MatchPattern,
  NAME_PATTERN,
  parseMatchPattern,
} from './names.js';
export {
  addressProblem,
  MAX_DURATION_MS,
  MAX_PERSISTENCE_S,
  MAX_PROBE_TEXT,
  PROBE_KINDS,
} from './schema.js';
export {
  applyServiceDefaults,
  defaultScheduler,
  serviceToInput,
  validateServiceDefaults,
  validateServices,
} from './validate-services.js';
