export { type Delivery, type DeliveryDeps, type DeliveryOutcome, makeDelivery, sesReason } from './delivery';
export { backoffSeconds, makeNotifier, type NotifierDeps } from './notifier';
export { type EnqueueNotifications, makeNotificationQueue } from './queue';
export { type SweepDeps, sweepOutbox } from './sweep';
