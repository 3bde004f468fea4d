/** The node's only reader of credentials: one Orchestrator client per execution (or option list). */
import type { IExecuteFunctions, ILoadOptionsFunctions } from 'n8n-workflow';
import { OrchestratorClient, type OrchestratorClientOptions } from '../../../lib/liveperson/orchestrator';
import { CREDENTIAL_TYPES, orchestratorConfig } from '../../shared/credentialConfig';

export async function orchestratorClient(this: IExecuteFunctions | ILoadOptionsFunctions, options: OrchestratorClientOptions = {}): Promise<OrchestratorClient> {
	return new OrchestratorClient(orchestratorConfig(await this.getCredentials(CREDENTIAL_TYPES.orchestrator)), options);
}
