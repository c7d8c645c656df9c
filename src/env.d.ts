/// <reference types="astro/client" />
declare namespace App {
  interface Locals {
    principal: import('./server/auth/principal.ts').Principal;
    clientIp: string;
  }
}
