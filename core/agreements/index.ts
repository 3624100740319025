// Agreements across stacks: declaration records kept in the cluster, and the one-sided check.
export {
  compileDeclarationRecord,
  declarationsOf,
  readDeclarationRecords,
  recordDocuments,
  recordName,
  RECORD_LABEL,
} from "./record";
export type { DeclarationRecord } from "./record";
export { oneSidedAgreements, oneSidedAgreementsOf } from "./one-sided";
export type { OneSided } from "./one-sided";
