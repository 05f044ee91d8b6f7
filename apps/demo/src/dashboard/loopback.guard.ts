import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';

/**
 * Lets through requests from this machine only. Enough for the demo, which listens on 127.0.0.1
 * anyway; NOT enough behind a reverse proxy on the same host, where every request comes from
 * loopback: a real app puts its own authentication here (a session, a token, an admin role).
 */
@Injectable()
export class LoopbackGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ socket?: { remoteAddress?: string } }>();
    return isLoopback(request.socket?.remoteAddress);
  }
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
