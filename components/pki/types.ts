import type * as pulumi from "@pulumi/pulumi";

/**
 * A certificate and its private key as PEM. Components take these as inputs (so they do
 * not depend on how the PKI issues them); `keyPem` is always a Pulumi secret.
 */
export interface KeyPair {
  /** PEM certificate (public). */
  readonly certPem: pulumi.Input<string>;
  /** PEM private key (secret). */
  readonly keyPem: pulumi.Input<string>;
}

/** A CA certificate, public part only: what clients and servers are told to trust. */
export interface TrustAnchor {
  readonly certPem: pulumi.Input<string>;
}
