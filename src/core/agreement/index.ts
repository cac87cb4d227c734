export { computeAgreement, spread, type AgreementReport, type AnnotatedTrajectory, type Spread } from './agreement';
export { cohensKappa, reviewKappa, type KappaResult } from './kappa';
export { levenshtein, normalizedLevenshtein, MAX_LEVENSHTEIN_LENGTH } from './levenshtein';
export { compareTrajectories } from './compare';
export { formatAgreement } from './format-agreement';
