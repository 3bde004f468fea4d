import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, INodeCredentialTestResult } from 'n8n-workflow';
import { CREDENTIAL_TYPES } from '../../../lib/auth/apply';
import { testHeaderCredential } from '../../../lib/auth/credential-test';
import { testMutualTlsCredential } from '../../../lib/tls/credential-test';

/** Test button of the Mutual TLS credential (testedBy `livePersonMutualTlsApiTest`). */
export async function livePersonMutualTlsApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const result = await testMutualTlsCredential((credential.data ?? {}) as IDataObject);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}

/** Test button of the Basic credential (testedBy `livePersonBasicAuthApiTest`). */
export async function livePersonBasicAuthApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const result = await testHeaderCredential(CREDENTIAL_TYPES.basic, (credential.data ?? {}) as IDataObject);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}

/** Test button of the Access Token credential (testedBy `livePersonAccessTokenApiTest`). */
export async function livePersonAccessTokenApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const result = await testHeaderCredential(CREDENTIAL_TYPES.accessToken, (credential.data ?? {}) as IDataObject);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
