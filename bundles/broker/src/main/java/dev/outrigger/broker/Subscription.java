package dev.outrigger.broker;

/**
 * One topic filter of one client.
 *
 * @param qos the granted maximum: 0 or 1 (QoS 2 subscriptions are granted 1)
 * @param identifier the MQTT 5 subscription identifier, 0 when none was given
 */
record Subscription(String filter, int qos, boolean noLocal, boolean retainAsPublished, int identifier) {
}
