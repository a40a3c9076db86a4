// The bearer tokens of bench:http's principals (a benchmark's, not secrets).
export function benchPrincipalToken(index: number): string {
  return `bench-principal-token-${String(index).padStart(4, '0')}-0123456789abcdef`;
}
