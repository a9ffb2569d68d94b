// The introspecting variant of the benchmark keeps step 07's tables: users and sessions.
export { migrations } from '../../../solutions/step-07-service-tokens/schema.ts'
