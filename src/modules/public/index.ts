// What other modules and the portal may use of the public module: the published pledges, their
// text and the list of verified signatories, as anyone may read them. Its repository is its own.
export {
  listPublishedPledges,
  publicPledge,
  type PublicPledge,
  type PublishedPledgeSummary,
  type Signatory,
  signatoriesCsv,
  signatoriesPage,
  signatoryCounts,
  type SignatoryFilter,
  type SignatoryQuery,
} from './public.service.js';
