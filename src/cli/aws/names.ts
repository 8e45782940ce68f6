/**
 * The AWS CLI's names for operations and members: CamelCase split into lower-case words joined
 * by '-', keeping acronyms together (CreateOTAUpdate → create-ota-update,
 * forceDeleteAWSJob → force-delete-aws-job).
 */
export function kebab(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}
