import { type HttpEvent, httpError } from '@app/http';
import { type OrganizationSelector, tenantOf } from '@app/session';

/**
 * The `select` of requireOrganization for /organizations/{slug}: the organization is the path's.
 * On a tenant host (`<slug>.<TENANT_BASE_DOMAIN>`) only that tenant's slug may be named: another
 * one is refused with 403 FORBIDDEN, so a tenant's address never serves a different organization.
 * Hosts outside the base domain (and X-Forwarded-Host, whatever it says) play no part.
 */
export function organizationSelector(tenantBaseDomain: string | undefined) {
  return (event: HttpEvent): OrganizationSelector => {
    const pathSlug = event.pathParameters?.slug;
    const hostSlug = tenantOf(event, tenantBaseDomain);
    if (hostSlug && pathSlug && hostSlug !== pathSlug) {
      throw httpError('FORBIDDEN', 'This address belongs to another organization');
    }
    const slug = pathSlug ?? hostSlug;
    return slug ? { slug } : undefined;
  };
}
