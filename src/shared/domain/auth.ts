// Request shapes of sign-in and device registration (DESIGN §10), shared so the setup
// screen validates exactly what the server will.
import { z } from 'zod';

export const email = z.string().trim().toLowerCase().max(320).pipe(z.email({ message: 'Enter a valid email address.' }));

export const signinSchema = z.strictObject({
  email,
  password: z.string().min(1, 'Enter your password.').max(1024),
});

export const deviceRegisterSchema = z.strictObject({
  locationId: z.uuid(),
  name: z.string().trim().min(1, 'Name the device.').max(100),
});

export const deviceTokenSchema = z.strictObject({
  deviceId: z.uuid(),
  credential: z.string().min(20).max(200),
});

export const deviceTokenResponseSchema = z.object({
  accessToken: z.string(),
  expiresAt: z.string(),
});

export type SigninInput = z.infer<typeof signinSchema>;
export type DeviceRegisterInput = z.infer<typeof deviceRegisterSchema>;
export type DeviceTokenInput = z.infer<typeof deviceTokenSchema>;

/**
 * A pairing code from the console (POST /api/manager/devices): 12 letters and digits,
 * shown in groups of four; typed with or without the dashes, in any case. No 0/O or 1/I.
 */
export const PAIRING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const pairingCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(new RegExp(`^[${PAIRING_ALPHABET}]{12}$`), 'A pairing code has 12 letters and digits, like 7KQ4-MZ2P-XY8C.'));
export const devicePairSchema = z.strictObject({ code: pairingCodeSchema });
/** What a tablet needs to be a registered device: from /setup's registration or from pairing. */
export const registeredDeviceSchema = z.object({
  deviceId: z.uuid(),
  credential: z.string(),
  code: z.string(),
  locationId: z.uuid(),
  organizationId: z.uuid(),
  screens: z.array(z.string()),
});
