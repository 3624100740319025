// The test bed loads the same pinned upstream CRDs the installer does (install/bootstrap/crds.ts).
export * from "../../install/bootstrap/crds";
