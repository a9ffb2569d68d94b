// Test users: unique emails, and a device already logged in.
import assert from 'node:assert/strict'
import { basename } from 'node:path'
import type { StepName } from '../../lib/steps.ts'
import type { TestApp } from './app.ts'
import type { Device, Reply } from './device.ts'
import { expectJsonError, expectStatus } from './expect.ts'

let counter = 0

export interface Account {
  email: string
  password: string
}

export function newAccount(name = 'alice'): Account {
  counter += 1
  return { email: `${name}${counter}@example.com`, password: `correct horse battery ${name}` }
}

// What a suite checks after every login of its helpers: a wrong write at login (a raw token stored instead of its
// hash) otherwise shows only later, as a read that fails, and points at the read's TODO.
const loginChecks = new Map<string, (app: TestApp, device: Device) => Promise<void>>()

/** Runs `check` after each login that signUp and logInAnotherDevice make, on the step's own folder (or a copy of it). */
export function checkEachLogin(step: StepName, check: (app: TestApp, device: Device) => Promise<void>): void {
  loginChecks.set(step, check)
}

async function afterLogin(app: TestApp, device: Device): Promise<void> {
  const check = loginChecks.get(app.step)
  if (check && basename(app.dir).includes(app.step.slice(0, 7))) await check(app, device)
}

/** Registers a new account and logs one device in with it. */
export async function signUp(app: TestApp, name = 'alice', deviceName = `${name}'s laptop`): Promise<Account & { device: Device }> {
  const account = newAccount(name)
  const device = app.device(deviceName)
  expectStatus(await device.register(account.email, account.password), 201, 'does POST /register create the user?')
  expectStatus(await device.login(account.email, account.password), 200, 'does POST /login check the password and answer 200?')
  await afterLogin(app, device)
  return { ...account, device }
}

/** Logs a second device in to the same account (the phone next to the laptop). */
export async function logInAnotherDevice(app: TestApp, account: Account, deviceName = 'phone'): Promise<Device> {
  const device = app.device(deviceName)
  expectStatus(await device.login(account.email, account.password), 200, 'does POST /login answer 200?')
  await afterLogin(app, device)
  return device
}

/** After a password change: the old password gets 401 at login, the new one 200. */
export async function expectPasswordChanged(app: TestApp, account: Account, newPassword: string): Promise<void> {
  expectJsonError(await app.device().login(account.email, account.password), 401, 'the old password must stop working')
  expectStatus(await app.device().login(account.email, newPassword), 200, 'the new password must work')
}

/** After a refused password change: the old password still logs in. */
export async function expectPasswordUnchanged(app: TestApp, account: Account): Promise<void> {
  expectStatus(await app.device().login(account.email, account.password), 200, 'the old password must still work')
}

/**
 * A wrong password and an unknown email: both 401 with the same body, so the answer does not tell which
 * emails have an account. Returns the wrong-password reply for further checks.
 */
export async function expectLoginRefusalsAlike(app: TestApp, email: string): Promise<Reply> {
  const wrongPassword = await app.device().login(email, 'not the password')
  const unknownEmail = await app.device().login('nobody@example.com', 'not the password')
  expectJsonError(wrongPassword, 401)
  expectJsonError(unknownEmail, 401)
  assert.deepEqual(wrongPassword.body, unknownEmail.body, 'the two answers must not tell which emails exist')
  return wrongPassword
}
