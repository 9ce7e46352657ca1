import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Lets a request through only when it comes from this machine (the admin endpoints). */
@Injectable()
export class LoopbackOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ socket: { remoteAddress?: string } }>();
    const address = request.socket.remoteAddress ?? '';
    if (!LOOPBACK.has(address)) throw new ForbiddenException('admin endpoints answer on loopback only');
    return true;
  }
}
