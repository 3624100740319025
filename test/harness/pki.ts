// The test bed uses the product's certificates (install/bootstrap/pki.ts): one implementation.
export * from "../../install/bootstrap/pki";
