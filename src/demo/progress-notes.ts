// What the demo cities write when they report progress, per action area, in the language of their
// endorsement: a first report while the work is planned, later ones as it goes on.

type Notes = Record<'en' | 'es' | 'fr', { planned: string; underway: string }>;

export const progressNotes: Record<string, Notes> = {
  'migration-governance': {
    en: {
      planned: 'The council has agreed to set up a municipal office for migrants and refugees.',
      underway: 'The municipal office for migrants and refugees is open and has a multi-year budget.',
    },
    es: {
      planned: 'El concejo aprobó crear una oficina municipal para personas migrantes y refugiadas.',
      underway: 'La oficina municipal para personas migrantes y refugiadas funciona con presupuesto plurianual.',
    },
    fr: {
      planned: 'Le conseil a décidé de créer un bureau municipal des personnes migrantes et réfugiées.',
      underway: 'Le bureau municipal des personnes migrantes et réfugiées est ouvert, avec un budget pluriannuel.',
    },
  },
  'economic-opportunity': {
    en: {
      planned: 'A job-matching programme with local employers is being designed.',
      underway: 'The job-matching programme has placed its first cohorts with local employers.',
    },
    es: {
      planned: 'Se diseña un programa de intermediación laboral con empresas locales.',
      underway: 'El programa de intermediación laboral ya colocó a sus primeras cohortes en empresas locales.',
    },
    fr: {
      planned: 'Un programme de mise en relation avec les employeurs locaux est en préparation.',
      underway: 'Le programme de mise en relation a placé ses premières promotions chez des employeurs locaux.',
    },
  },
  'climate-resilience': {
    en: {
      planned: 'The climate adaptation plan is being revised to cover displacement.',
      underway: 'The revised adaptation plan now covers people displaced by floods and droughts.',
    },
    es: {
      planned: 'Se revisa el plan de adaptación climática para incluir el desplazamiento.',
      underway: 'El plan de adaptación revisado ya cubre a las personas desplazadas por inundaciones y sequías.',
    },
    fr: {
      planned: "Le plan d'adaptation climatique est en révision pour tenir compte des déplacements.",
      underway:
        "Le plan d'adaptation révisé couvre désormais les personnes déplacées par les crues et les sécheresses.",
    },
  },
  'access-to-essential-services': {
    en: {
      planned: 'Clinics and schools are mapping the documents they ask newcomers for.',
      underway: 'Clinics and schools now serve newcomers whatever their status, with interpreters on call.',
    },
    es: {
      planned: 'Centros de salud y escuelas revisan los documentos que piden a quienes llegan.',
      underway: 'Centros de salud y escuelas atienden a quienes llegan sin importar su estatus, con intérpretes.',
    },
    fr: {
      planned: 'Centres de santé et écoles recensent les pièces demandées aux nouveaux arrivants.',
      underway:
        'Centres de santé et écoles accueillent les nouveaux arrivants, quel que soit leur statut, avec interprètes.',
    },
  },
  'inclusion-and-social-cohesion': {
    en: {
      planned: 'Neighbourhood councils are preparing a welcome programme with migrant associations.',
      underway: 'The welcome programme runs in every district, led with migrant associations.',
    },
    es: {
      planned: 'Las juntas vecinales preparan un programa de acogida con asociaciones de migrantes.',
      underway: 'El programa de acogida funciona en todos los distritos, junto con asociaciones de migrantes.',
    },
    fr: {
      planned: "Les conseils de quartier préparent un programme d'accueil avec les associations de migrants.",
      underway: "Le programme d'accueil fonctionne dans chaque arrondissement, avec les associations de migrants.",
    },
  },
  'vulnerable-groups': {
    en: {
      planned: 'A shelter network for unaccompanied children is being planned with NGOs.',
      underway: 'The shelter network for unaccompanied children is open, run with NGOs.',
    },
    es: {
      planned: 'Se planifica con ONG una red de albergues para niñas y niños no acompañados.',
      underway: 'La red de albergues para niñas y niños no acompañados funciona con ONG.',
    },
    fr: {
      planned: "Un réseau d'hébergement pour les mineurs non accompagnés est préparé avec des ONG.",
      underway: "Le réseau d'hébergement pour les mineurs non accompagnés fonctionne avec des ONG.",
    },
  },
};
