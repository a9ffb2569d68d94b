// The one account every benchmarked server gets, so that every GET /me answers the same bytes.
export const BENCH_EMAIL = 'bench@example.com'
export const BENCH_PASSWORD = 'correct horse battery bench'
