import { seededRandom } from './measure.ts';

/** A party's seat in a benchmark commitment, shaped like the Connect app's `Party`. */
export interface BenchParty {
  profileId: string;
  displayName: string;
  role: 'CREATOR' | 'PARTICIPANT' | 'WITNESS';
  joinedAt: string;
}

/** One attached document version, shaped like the Connect app's `CommitmentDocument`. */
export interface BenchAttachment {
  id: string;
  name: string;
  url: string;
  version: number;
  uploadedAt: string;
  uploadedBy: string;
}

/** A commitment as the ledger would store it: about 1 KB of JSON. */
export interface BenchCommitment {
  id: string;
  title: string;
  description: string;
  typeId: string;
  status: 'DRAFT' | 'PROPOSED' | 'ACTIVE';
  terms: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  parties: BenchParty[];
  documents: BenchAttachment[];
}

const WORDS = [
  'deliver',
  'quarterly',
  'report',
  'supplier',
  'audit',
  'payment',
  'within',
  'thirty',
  'days',
  'milestone',
  'review',
  'signed',
  'invoice',
  'warranty',
  'service',
  'level',
  'uptime',
  'notice',
];
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov'];
const STATUSES = ['DRAFT', 'PROPOSED', 'ACTIVE'] as const;
const ROLES = ['PARTICIPANT', 'WITNESS'] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function sentence(random: () => number, words: number): string {
  return Array.from({ length: words }, () => pick(random, WORDS)).join(' ');
}

function profileId(random: () => number): string {
  return `00000000-0000-4000-8000-${Math.floor(random() * 1e12)
    .toString()
    .padStart(12, '0')}`;
}

/**
 * The `index`-th benchmark commitment: the same index always gives the same
 * document, with three parties and two attached documents, about 1 KB as JSON.
 */
export function commitmentDocument(index: number): BenchCommitment {
  const random = seededRandom(index + 1);
  const createdAt = new Date(Date.UTC(2025, 0, 1) + index * 60_000).toISOString();
  const creator = profileId(random);
  const parties: BenchParty[] = [
    { profileId: creator, displayName: pick(random, NAMES), role: 'CREATOR', joinedAt: createdAt },
    ...[0, 1].map(() => ({
      profileId: profileId(random),
      displayName: pick(random, NAMES),
      role: pick(random, ROLES),
      joinedAt: createdAt,
    })),
  ];
  const documents = [1, 2].map((version) => ({
    id: `doc-${index}-${version}`,
    name: 'sow.pdf',
    url: `https://files.example.com/c/${index}/sow-v${version}.pdf`,
    version,
    uploadedAt: createdAt,
    uploadedBy: creator,
  }));
  return {
    id: `commitment-${index}`,
    title: sentence(random, 4),
    description: sentence(random, 12),
    typeId: 'service-agreement',
    status: pick(random, STATUSES),
    terms: sentence(random, 6),
    createdAt,
    updatedAt: createdAt,
    createdBy: creator,
    parties,
    documents,
  };
}
