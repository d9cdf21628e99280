export { ServiceAccountsController, ensuredServiceAccounts } from "./service-accounts.js";
export { RootCaPublisher, rootCaDescription, rootCaDescriptionAnnotation, type RootCaPublisherOptions } from "./root-ca-publisher.js";
