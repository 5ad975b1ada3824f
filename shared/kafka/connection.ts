import type { KafkaConfig, SASLOptions } from 'kafkajs';

/**
 * Kafka connection settings, from one place: the environment.
 *   KAFKA_BROKERS    comma-separated bootstrap servers (on Lambda the event's bootstrapServers is the fallback)
 *   KAFKA_AUTH       `iam` for MSK IAM auth over TLS (set by the CDK stack); unset for a local broker
 *   AWS_REGION       region used to sign IAM tokens (Lambda sets it)
 *   KAFKA_CLIENT_ID  client id (default: the Lambda function name, or kafka-lambda)
 */
export interface ConnectionEnv {
  KAFKA_BROKERS?: string;
  KAFKA_AUTH?: string;
  AWS_REGION?: string;
  KAFKA_CLIENT_ID?: string;
  AWS_LAMBDA_FUNCTION_NAME?: string;
}

/** A comma-separated broker list as its entries; empty when unset. */
export function brokerList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function brokersFrom(env: ConnectionEnv, fallback?: string): string[] {
  const list = brokerList(env.KAFKA_BROKERS ?? fallback);
  if (list.length === 0) {
    throw new Error(
      'no Kafka brokers: set KAFKA_BROKERS (e.g. 127.0.0.1:9092), or run inside an MSK-triggered Lambda',
    );
  }
  return list;
}

function iamSasl(region: string | undefined): SASLOptions {
  if (!region) throw new Error('KAFKA_AUTH=iam needs AWS_REGION to sign MSK IAM tokens');
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      // Loaded on first use: the signer pulls in the AWS SDK credential chain.
      const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
      const { token } = await generateAuthToken({ region });
      return { value: token };
    },
  };
}

export function kafkaConfigFromEnv(env: ConnectionEnv = process.env, fallbackBrokers?: string): KafkaConfig {
  const auth = env.KAFKA_AUTH?.toLowerCase();
  if (auth !== undefined && auth !== '' && auth !== 'iam' && auth !== 'none') {
    throw new Error(`KAFKA_AUTH must be "iam" or "none", got "${env.KAFKA_AUTH}"`);
  }
  return {
    clientId: env.KAFKA_CLIENT_ID ?? env.AWS_LAMBDA_FUNCTION_NAME ?? 'kafka-lambda',
    brokers: brokersFrom(env, fallbackBrokers),
    ...(auth === 'iam' && { ssl: true, sasl: iamSasl(env.AWS_REGION) }),
  };
}
