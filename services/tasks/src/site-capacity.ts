import type { Transaction } from 'sequelize';
import type { Models } from './models/index.js';
import type { SiteAttributes } from './models/site.model.js';

/** The capacity of a task's site, which every task event carries; sites are never deleted while tasks refer to them. */
export async function siteCapacityOf(models: Models, siteId: string, transaction: Transaction): Promise<Pick<SiteAttributes, 'id' | 'capacity'>> {
  const site = await models.Site.findByPk(siteId, { transaction, attributes: ['id', 'capacity'], raw: true });
  if (site === null) throw new Error(`site ${siteId} of a task does not exist`);
  return site;
}
