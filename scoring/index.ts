/**
 * `fedcredit/scoring`: using a trained model outside the consortium — loading a saved model
 * package, scoring applicants with reason codes, exports and the scoring service.
 */
export {};
