import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export type NetworkProps = {
  natGateways: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
};

/**
 * Two AZs: public subnets hold only the NAT gateways, functions run in private subnets (egress to
 * WorkOS and AWS APIs through NAT), the database sits in isolated subnets with no route out.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  /** Carried by every function that talks to the database; the database admits only this group. */
  readonly functionsSecurityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: props.natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'functions', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: {
        rejected: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          // Rejected flows are what an investigation needs; ALL would cost more for little gain.
          trafficType: FlowLogTrafficType.REJECT,
        },
      },
    });
    this.functionsSecurityGroup = new SecurityGroup(this, 'Functions', {
      vpc: this.vpc,
      description: 'Lambda functions: HTTPS out (WorkOS, AWS APIs through NAT) and the database port',
      allowAllOutbound: false,
    });
    // HTTPS only; the database (infra/database.ts) adds its own port as it admits this group.
    this.functionsSecurityGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'HTTPS: WorkOS and AWS APIs');
  }
}
