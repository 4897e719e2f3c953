// The corpus: each file holds the scenarios of one area.
import type { Scenario } from '../harness';
import { ACL_IDS } from './acl-ids';
import { CORE } from './core';
import { PATHS_AND_ERRORS } from './paths-and-errors';

export const ALL_SCENARIOS: Scenario[] = [...PATHS_AND_ERRORS, ...CORE, ...ACL_IDS];
