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
