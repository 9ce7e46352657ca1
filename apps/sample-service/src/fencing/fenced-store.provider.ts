import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';
import { FencedStore } from './fenced-store.js';

/** The {@link FencedStore} as a Nest provider: opened with the app, closed at shutdown. */
@Injectable()
export class FencedStoreService extends FencedStore implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig) {
    super(config.dbPath);
  }

  onApplicationShutdown(): void {
    this.close();
  }
}
