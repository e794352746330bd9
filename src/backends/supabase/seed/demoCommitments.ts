import type { CommitmentStatus, PartyRole } from '../../connectStore.ts';

/** A commitment of the demo data set, described by usernames. */
export interface DemoCommitment {
  id: string;
  title: string;
  type: string;
  creator: string;
  /** Other parties, in the order they join. */
  parties: ReadonlyArray<{ username: string; role: PartyRole }>;
  documents: readonly string[];
  /** Statuses it moves through after DRAFT, each one a recorded change. */
  path: readonly CommitmentStatus[];
}

/** The commitment types of the demo data set. */
export const DEMO_TYPES = [
  {
    id: '7e000000-0000-4000-8000-000000000001',
    name: 'Loan',
    description: 'Money lent and repaid on a schedule.',
  },
  {
    id: '7e000000-0000-4000-8000-000000000002',
    name: 'Service',
    description: 'Work done for an agreed fee.',
  },
  {
    id: '7e000000-0000-4000-8000-000000000003',
    name: 'Pledge',
    description: 'A promise to give or to do something.',
  },
  {
    id: '7e000000-0000-4000-8000-000000000004',
    name: 'Rental',
    description: 'Use of a thing for a period and a price.',
  },
] as const;

const TITLES = [
  'Bike repair for the co-op',
  'Quarterly rent for the studio',
  'Loan for the market stall',
  'Garden upkeep through summer',
  'Pledge to the library fund',
  'Laptop lent for the semester',
  'Website for the bakery',
  'Van rental for the move',
  'Tutoring in statistics',
  'Community fridge restocking',
  'Loan for the sewing machine',
  'Roof repair at the warehouse',
  'Camera rental for the wedding',
  'Pledge to plant forty trees',
  'Bookkeeping for the spring',
  'Parking space for the winter',
  'Loan for the solar panels',
  'Translation of the lease',
  'Pledge to mentor two interns',
  'Tool library membership',
  'Catering for the open day',
  'Storage unit for the archive',
] as const;

const PATHS: ReadonlyArray<readonly CommitmentStatus[]> = [
  [],
  ['PROPOSED'],
  ['PROPOSED', 'ACTIVE'],
  ['PROPOSED', 'ACTIVE', 'FULFILLED'],
  ['PROPOSED', 'CANCELLED'],
  ['PROPOSED', 'ACTIVE', 'BREACHED'],
];

// Who works with whom: alice and carol (beta) share some commitments with bob and
// dave (general); bob and dave also have commitments alice cannot see.
const CIRCLES: ReadonlyArray<readonly [string, string, string | null]> = [
  ['alice', 'carol', null],
  ['bob', 'dave', null],
  ['alice', 'bob', 'carol'],
  ['dave', 'bob', null],
  ['carol', 'dave', 'alice'],
  ['bob', 'dave', 'carol'],
  ['alice', 'dave', null],
];

/** The demo commitments: 22 of them, spread over users, types and statuses. */
export const DEMO_COMMITMENTS: readonly DemoCommitment[] = TITLES.map((title, index) => {
  const [creator, participant, witness] = CIRCLES[index % CIRCLES.length] ?? ['alice', 'bob', null];
  const type = DEMO_TYPES[index % DEMO_TYPES.length]?.name ?? 'Loan';
  return {
    id: `c0000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
    title,
    type,
    creator,
    parties: [
      { username: participant, role: 'PARTICIPANT' as const },
      ...(witness === null ? [] : [{ username: witness, role: 'WITNESS' as const }]),
    ],
    documents: index % 3 === 0 ? ['terms.pdf', 'terms.pdf'] : index % 3 === 1 ? ['invoice.pdf'] : [],
    path: PATHS[index % PATHS.length] ?? [],
  };
});
