import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, INodeCredentialTestResult } from 'n8n-workflow';
import { testMutualTlsCredential } from '../../../lib/tls/credential-test';

/** Test button of the Mutual TLS credential (testedBy `livePersonMutualTlsApiTest`). */
export async function livePersonMutualTlsApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const result = await testMutualTlsCredential((credential.data ?? {}) as IDataObject);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
