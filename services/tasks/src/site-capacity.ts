import type { Transaction } from 'sequelize';
import type { Models } from './models/index.js';
import type { SiteAttributes } from './models/site.model.js';

/** What every task event carries of its site: the capacity (matching) and where it is (the helpers' notifications). */
export type SiteOfTask = Pick<SiteAttributes, 'id' | 'capacity' | 'name' | 'street' | 'postalCode' | 'city' | 'meetingPoint'>;

/** The site of a task as its events carry it; sites are never deleted while tasks refer to them. */
export async function siteCapacityOf(models: Models, siteId: string, transaction: Transaction): Promise<SiteOfTask> {
  const site = await models.Site.findByPk(siteId, { transaction, attributes: ['id', 'capacity', 'name', 'street', 'postalCode', 'city', 'meetingPoint'], raw: true });
  if (site === null) throw new Error(`site ${siteId} of a task does not exist`);
  return site;
}
