/**
 * The one Apache Kafka version this project runs locally and deploys to MSK.
 * 4.1 is the newest line MSK offers (as `4.1.x.kraft`) that kafkajs talks to.
 */
export const KAFKA_VERSION = '4.1.1';

/** The MSK version string for the same release line. */
export const MSK_KAFKA_VERSION = `${KAFKA_VERSION.split('.').slice(0, 2).join('.')}.x.kraft`;
