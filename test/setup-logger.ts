import { Logger } from '@nestjs/common';

// Services built by hand in tests would log through Nest's console logger; apps use pino at TEST_LOG_LEVEL.
if (!process.env.TEST_LOG_LEVEL) Logger.overrideLogger(false);
