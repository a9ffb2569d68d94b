// Algorithm attacks, played out against a bearer-token step (02–05): the confusion that an app holding no public
// key is immune to, and the HS384/HS512 token that only pinning stops. Each step's
// suite calls algorithmTests(); `hint` is what a learner of that step should look at.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import jwt from 'jsonwebtoken'
import { epochSeconds } from '../../lib/clock.ts'
import { TOKEN_TYPES } from '../../lib/token-types.ts'
import type { StepName } from '../../lib/steps.ts'
import { startApp } from './app.ts'
import { decodeJwt, expectJsonError, expectStatus } from './expect.ts'
import { badTokens, confusedToken, PINNING, rs256Token, verifyWithPublicKey } from './tokens.ts'
import { signUp } from './users.ts'

export function algorithmTests(STEP: StepName, hint: string) {
  test('algorithm confusion (RFC 8725 §2.1): a token keyed with an RSA public key fools a verifier that lets the header choose the algorithm; an HS256 app that holds no public key refuses it whatever it pins', async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    expectStatus(await device.me(), 200, hint)
    const claims = decodeJwt(device.accessToken)
    const genuine = rs256Token(claims, TOKEN_TYPES.access)
    assert.ok(verifyWithPublicKey(genuine), 'the naive verifier works: it accepts a genuine RS256 token signed with the private key')
    const forged = confusedToken(claims, TOKEN_TYPES.access)
    assert.ok(verifyWithPublicKey(forged), 'the forgery fools it: the header says HS256, so the public key, which anyone can download, became the HMAC secret')
    assert.ok(!verifyWithPublicKey(forged, 'RS256'), 'pinned to RS256, the same verifier refuses the forgery: the verifier, not the token, picks the algorithm')
    const attacker = app.device('attacker')
    attacker.accessToken = forged
    expectJsonError(await attacker.me(), 401, `the forgery must be refused: ${hint}`)
    attacker.accessToken = genuine
    expectJsonError(await attacker.me(), 401, `an RS256 token must be refused: this step verifies HS256 with its own secret. ${hint}`)
  })

  test(`jsonwebtoken 9 refuses alg: none by default, yet accepts HS384 with the right key unless told otherwise: pinning stays the rule`, async (t) => {
    const app = await startApp(t, STEP)
    const { device } = await signUp(app)
    const forged = badTokens(app, device.accessToken!, 'access')
    const clockTimestamp = epochSeconds(app.clock)
    assert.throws(() => jwt.verify(forged['with alg: none and no signature'], app.secrets.access, { clockTimestamp }), 'jsonwebtoken 9 refuses an unsigned token even without `algorithms`')
    const hs384 = forged[`signed with HS384 ${PINNING}`]
    assert.doesNotThrow(() => jwt.verify(hs384, app.secrets.access, { clockTimestamp }), 'without `algorithms`, jsonwebtoken takes any HMAC algorithm the header names')
    const attacker = app.device('attacker')
    attacker.accessToken = hs384
    expectJsonError(await attacker.me(), 401, `the step must pin the algorithm: jwt.verify(…, { algorithms: ['HS256'] }). ${hint}`)
  })
}
