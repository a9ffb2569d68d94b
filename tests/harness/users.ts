// Test users: unique emails, and a device already logged in.
import type { TestApp } from './app.ts'
import type { Device } from './device.ts'
import { expectStatus } from './expect.ts'

let counter = 0

export interface Account {
  email: string
  password: string
}

export function newAccount(name = 'alice'): Account {
  counter += 1
  return { email: `${name}${counter}@example.com`, password: `correct horse battery ${name}` }
}

/** Registers a new account and logs one device in with it. */
export async function signUp(app: TestApp, name = 'alice', deviceName = `${name}'s laptop`): Promise<Account & { device: Device }> {
  const account = newAccount(name)
  const device = app.device(deviceName)
  expectStatus(await device.register(account.email, account.password), 201, 'does POST /register create the user?')
  expectStatus(await device.login(account.email, account.password), 200, 'does POST /login check the password and answer 200?')
  return { ...account, device }
}

/** Logs a second device in to the same account (the phone next to the laptop). */
export async function logInAnotherDevice(app: TestApp, account: Account, deviceName = 'phone'): Promise<Device> {
  const device = app.device(deviceName)
  expectStatus(await device.login(account.email, account.password), 200, 'does POST /login answer 200?')
  return device
}
