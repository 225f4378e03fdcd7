// The seed of a randomised test: new each run, printed in every failure
// message, and fixed with TEST_SEED=<n> to replay a failure exactly.
export function testSeed(modulo = 100_000): number {
  const given = process.env.TEST_SEED;
  return given !== undefined && given !== '' ? Number(given) : Date.now() % modulo;
}
