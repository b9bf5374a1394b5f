import { runBackendConformance } from './conformance.js';
import { createFakeBackend, createFakeKernel } from './fake-backend.js';

runBackendConformance({
  name: 'FakeBackend',
  setup: () => {
    const kernel = createFakeKernel();
    return { create: () => createFakeBackend({ kernel }) };
  },
});
